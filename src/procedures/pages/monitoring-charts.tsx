// Charts drawn on the server as SVG: no script, printable, readable at any text size. Each is a
// figure whose SVG is an image with a title and a description saying what it shows, followed on
// the page by a table with the same figures (the alternative for screen readers and for exact
// values). Series differ by pattern as well as colour, so they can be told apart without colour
// and in high contrast. Colours are the Digital Agency tokens' blues and greys, set as SVG
// attributes (the Content-Security-Policy allows no inline styles).
import type { ComponentChildren } from 'preact';

export interface ChartSeries {
  name: string;
  values: Array<number | null>;
  look: 'solid' | 'hatched' | 'light';
}

const LOOKS = {
  solid: { fill: '#0017c1', stroke: '#0017c1' },
  hatched: { fill: 'url(#hatch)', stroke: '#00118f' },
  light: { fill: '#c5d7fb', stroke: '#1a1a1a' },
};

/** A round maximum for the axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function axisMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max)!;
}

function Defs() {
  return (
    <defs>
      <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#e8f1fe" />
        <line x1="0" y1="0" x2="0" y2="6" stroke="#00118f" stroke-width="3" />
      </pattern>
    </defs>
  );
}

function Legend(props: { series: ChartSeries[] }) {
  return (
    <ul class="chart-legend" aria-hidden="true">
      {props.series.map((s) => (
        <li>
          <svg width="16" height="16" viewBox="0 0 16 16" focusable="false">
            <Defs />
            <rect x="0.5" y="0.5" width="15" height="15" fill={LOOKS[s.look].fill} stroke={LOOKS[s.look].stroke} />
          </svg>{' '}
          {s.name}
        </li>
      ))}
    </ul>
  );
}

/**
 * Bars per category (a month), stacked (parts of a whole) or side by side (a median and a
 * 90th percentile). `description` says in words what the chart shows.
 */
export function ColumnChart(props: { id: string; title: string; description: string; categories: string[]; series: ChartSeries[]; stacked: boolean; unit: string; children?: ComponentChildren }) {
  const { categories, series } = props;
  const slot = 44;
  const left = 48;
  const top = 12;
  const plot = 180;
  const width = left + categories.length * slot + 8;
  const height = top + plot + 40;
  const totals = categories.map((_, i) => (props.stacked ? series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0) : Math.max(0, ...series.map((s) => s.values[i] ?? 0))));
  const max = axisMax(Math.max(0, ...totals));
  const y = (v: number) => top + plot - (v / max) * plot;
  const ticks = [0, max / 2, max];
  const barWidth = props.stacked ? 26 : Math.floor(30 / series.length);
  return (
    <figure class="chart" id={props.id}>
      <figcaption class="chart-caption">{props.title}</figcaption>
      <Legend series={series} />
      <svg role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} viewBox={`0 0 ${width} ${height}`} width={width} height={height} class="chart-svg" focusable="false">
        <title id={`${props.id}-title`}>{props.title}</title>
        <desc id={`${props.id}-desc`}>{props.description}</desc>
        <Defs />
        {ticks.map((t) => (
          <g>
            <line x1={left} x2={width - 4} y1={y(t)} y2={y(t)} stroke="#949494" stroke-width={t === 0 ? 1.5 : 0.5} />
            <text x={left - 6} y={y(t) + 4} text-anchor="end" font-size="12" fill="#1a1a1a">{`${Number.isInteger(t) ? t : t.toFixed(1)}`}</text>
          </g>
        ))}
        <text x="4" y={top + 4} font-size="11" fill="#595959">{props.unit}</text>
        {categories.map((category, i) => {
          const x0 = left + i * slot + (slot - (props.stacked ? barWidth : barWidth * series.length)) / 2;
          let base = 0;
          return (
            <g>
              {series.map((s, j) => {
                const v = s.values[i] ?? 0;
                if (v <= 0) return null;
                const look = LOOKS[s.look];
                const rect = props.stacked
                  ? <rect x={x0} y={y(base + v)} width={barWidth} height={y(base) - y(base + v)} fill={look.fill} stroke={look.stroke} />
                  : <rect x={x0 + j * barWidth} y={y(v)} width={barWidth - 1} height={y(0) - y(v)} fill={look.fill} stroke={look.stroke} />;
                base += v;
                return rect;
              })}
              <text x={left + i * slot + slot / 2} y={top + plot + 16} text-anchor="middle" font-size="11" fill="#1a1a1a">{category.slice(5)}</text>
              {(i === 0 || category.endsWith('-01')) && <text x={left + i * slot + slot / 2} y={top + plot + 30} text-anchor="middle" font-size="10" fill="#595959">{category.slice(0, 4)}</text>}
            </g>
          );
        })}
      </svg>
      {props.children}
    </figure>
  );
}

/** One horizontal bar per row (a municipality), for a share from 0 to 1; the value written beside it. */
export function ShareChart(props: { id: string; title: string; description: string; rows: Array<{ label: string; share: number | null; note: string }> }) {
  const rowHeight = 26;
  const left = 120;
  const bar = 300;
  const width = left + bar + 120;
  const height = props.rows.length * rowHeight + 24;
  return (
    <figure class="chart" id={props.id}>
      <figcaption class="chart-caption">{props.title}</figcaption>
      <svg role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} viewBox={`0 0 ${width} ${height}`} width={width} height={height} class="chart-svg" focusable="false">
        <title id={`${props.id}-title`}>{props.title}</title>
        <desc id={`${props.id}-desc`}>{props.description}</desc>
        {[0, 0.5, 1].map((t) => (
          <g>
            <line x1={left + t * bar} x2={left + t * bar} y1="0" y2={height - 18} stroke="#949494" stroke-width={t === 0 ? 1.5 : 0.5} />
            <text x={left + t * bar} y={height - 4} text-anchor="middle" font-size="11" fill="#595959">{`${t * 100}%`}</text>
          </g>
        ))}
        {props.rows.map((r, i) => (
          <g>
            <text x={left - 6} y={i * rowHeight + 17} text-anchor="end" font-size="12" fill="#1a1a1a">{r.label}</text>
            {r.share !== null && <rect x={left} y={i * rowHeight + 5} width={Math.max(1, r.share * bar)} height="16" fill="#0017c1" />}
            <text x={left + (r.share ?? 0) * bar + 6} y={i * rowHeight + 17} font-size="12" fill="#1a1a1a">{r.note}</text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
