// Files the window hands to the user: a table as CSV, a chart as PNG. They are made in the page and saved as a
// download (a blob: link), so no new permission, no main-process channel and no change to the CSP is needed.

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
const field = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Rows as CSV text, the header first. */
export const csvOf = (header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string =>
  [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';

/** Offers `blob` to the user as a file named `name`. */
export function saveFile(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export const saveCsv = (name: string, text: string): void => saveFile(name, new Blob([text], { type: 'text/csv' }));

/** A chart's canvas as a PNG file, on white (a canvas is transparent where nothing is drawn). */
export function saveCanvasPng(name: string, canvas: HTMLCanvasElement): void {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const ctx = copy.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, copy.width, copy.height);
  ctx.drawImage(canvas, 0, 0);
  copy.toBlob((blob) => blob && saveFile(name, blob), 'image/png');
}

/** A file name from a title: letters, digits and dashes. */
export const fileNameOf = (title: string, extension: string): string =>
  `${
    title
      .normalize('NFKD')
      .replace(/[^\w]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'table'
  }.${extension}`;
