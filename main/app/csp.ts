// The renderer's Content Security Policy: only the app's own files, no inline script or style, no network.
// Sent as a response header by the app protocol and written into index.html as a meta tag at build time,
// so it holds even if one of the two is bypassed. (frame-ancestors only works as a header; browsers ignore it in meta.)
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
