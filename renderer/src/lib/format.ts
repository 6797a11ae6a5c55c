// How the pages write numbers and times (counts: formatCount in api.ts).

/** A score kept as a fraction (0.892), written as the paper's tables do: a percentage with two decimals (89.20). */
export const formatScore = (fraction: number): string => (fraction * 100).toFixed(2);

/** Cohen's kappa, or a dash where two labellings share no entity type. */
export const formatKappa = (kappa: number | null): string =>
  kappa === null ? '—' : (Math.abs(kappa) < 0.005 ? 0 : kappa).toFixed(2);

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
/** A parameter count the way people say it: 14.3M, 110M, 42K. */
export const formatParameters = (n: number): string => compact.format(n);

const oneDecimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
/** Bytes as megabytes (10⁶, as the paper's model sizes). */
export const formatMegabytes = (bytes: number): string => oneDecimal.format(bytes / 1e6);

const wholeNumber = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
/** A speed, or a dash where it was not measured. */
export const formatRate = (perSecond: number | null): string =>
  perSecond === null ? '—' : wholeNumber.format(perSecond);

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
/** A stored timestamp (ISO 8601, UTC) in the user's time zone, or a dash. */
export const formatDateTime = (iso: string | null): string => (iso === null ? '—' : dateTime.format(new Date(iso)));

/** A duration to expect, rounded as people say it: "under a minute", "about 12 minutes", "about 3 h 20 min". */
export function formatAbout(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `about ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
