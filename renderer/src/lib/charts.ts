// What every chart of the app shares: series colours (canvas drawing cannot read CSS variables; the accent
// first, then hues that stay apart for common colour-vision deficiencies: Okabe–Ito) and the base options.
export const SERIES_COLOURS = ['#0e6b63', '#e69f00', '#56b4e9', '#cc79a7', '#d55e00', '#0072b2', '#999999'] as const;

export const seriesColour = (i: number): string => SERIES_COLOURS[i % SERIES_COLOURS.length];

/** Drawn at once (no animation) and sized by its parent's box (a `.plot`). */
export const CHART_BASE = { animation: false, responsive: true, maintainAspectRatio: false } as const;

/** A legend under the plot, with small colour boxes. */
export const LEGEND_BELOW = { position: 'bottom', labels: { boxWidth: 12 } } as const;
