// Pictures to take away: a chart as SVG or PNG, the race's scoreboard as PNG, sized for a slide
// (1600 px wide). The charts' colours are CSS variables of the page's theme, which a file outside
// the page cannot resolve: every colour and font is copied onto the SVG's elements as a value.
import { downloadBlob } from '../compare/download';

/** A slide's width: 16:9 at 1600×900. */
export const SLIDE_WIDTH = 1600;
export const SLIDE_HEIGHT = 900;

const STYLED = ['stroke', 'fill', 'stroke-width', 'stroke-dasharray', 'opacity', 'fill-opacity', 'stroke-opacity', 'font-size', 'font-family', 'font-weight'] as const;

/** The chart's SVG as a file of its own: computed colours and fonts inlined, a background and a title. */
export function chartSvg(chart: HTMLElement, title: string): { text: string; width: number; height: number } {
  const svg = chart.querySelector('svg.recharts-surface');
  if (!(svg instanceof SVGSVGElement)) throw new Error('The chart has nothing drawn yet');
  const { width, height } = svg.getBoundingClientRect();
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...svg.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  originals.forEach((element, i) => {
    const style = getComputedStyle(element);
    const target = copies[i];
    for (const property of STYLED) {
      const value = style.getPropertyValue(property);
      if (value && value !== 'none' && !(property === 'opacity' && value === '1')) target.setAttribute(property, value);
      else if (property === 'fill' && value === 'none') target.setAttribute('fill', 'none');
    }
    target.removeAttribute('class');
  });
  const titleHeight = 36;
  const page = getComputedStyle(chart);
  const background = page.getPropertyValue('--panel').trim() || '#ffffff';
  const ink = page.getPropertyValue('--text').trim() || '#1f2430';
  copy.setAttribute('x', '0');
  copy.setAttribute('y', String(titleHeight));
  const outer = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  outer.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  outer.setAttribute('width', String(Math.ceil(width)));
  outer.setAttribute('height', String(Math.ceil(height + titleHeight)));
  outer.setAttribute('viewBox', `0 0 ${Math.ceil(width)} ${Math.ceil(height + titleHeight)}`);
  const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  rect.setAttribute('width', '100%');
  rect.setAttribute('height', '100%');
  rect.setAttribute('fill', background);
  const heading = document.createElementNS('http://www.w3.org/2000/svg', 'text');
  heading.setAttribute('x', '12');
  heading.setAttribute('y', '24');
  heading.setAttribute('font-size', '18');
  heading.setAttribute('font-weight', '600');
  heading.setAttribute('font-family', 'system-ui, sans-serif');
  heading.setAttribute('fill', ink);
  heading.textContent = title;
  outer.append(rect, heading, copy);
  return { text: new XMLSerializer().serializeToString(outer), width: Math.ceil(width), height: Math.ceil(height + titleHeight) };
}

/** An SVG drawn onto a canvas `scale` times its size, as PNG. */
export async function svgToPng(svg: { text: string; width: number; height: number }, scale: number): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg.text], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(svg.width * scale);
    canvas.height = Math.round(svg.height * scale);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('This browser cannot draw a picture here');
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await canvasBlob(canvas);
  } finally {
    URL.revokeObjectURL(url);
  }
}

function canvasBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The picture could not be made'))), 'image/png'));
}

/** A file name from a title: "Loss, Digits kd" -> "loss-digits-kd". */
export function fileStem(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'chart';
}

export async function downloadChart(chart: HTMLElement, title: string, format: 'png' | 'svg'): Promise<void> {
  const svg = chartSvg(chart, title);
  if (format === 'svg') downloadBlob(`${fileStem(title)}.svg`, new Blob([svg.text], { type: 'image/svg+xml' }));
  else downloadBlob(`${fileStem(title)}.png`, await svgToPng(svg, SLIDE_WIDTH / svg.width));
}

export interface ScoreboardPicture {
  title: string;
  lanes: { label: string; score: string; detail: string; colour: string }[];
  sentence: string | null;
}

/** Greedy line breaking at spaces for a canvas font. */
function wrap(context: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (context.measureText(next).width > width && line) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** The race's scoreboard drawn for a slide (1600×900): its title, one card a lane, its closing sentence. */
export async function scoreboardPng(board: ScoreboardPicture, colours: { background: string; ink: string; muted: string; card: string }): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = SLIDE_WIDTH;
  canvas.height = SLIDE_HEIGHT;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('This browser cannot draw a picture here');
  const margin = 64;
  context.fillStyle = colours.background;
  context.fillRect(0, 0, SLIDE_WIDTH, SLIDE_HEIGHT);
  context.fillStyle = colours.ink;
  context.font = '600 56px system-ui, sans-serif';
  context.fillText(board.title, margin, margin + 48);
  const gap = 32;
  const count = Math.max(1, board.lanes.length);
  const cardWidth = (SLIDE_WIDTH - 2 * margin - gap * (count - 1)) / count;
  const top = 200;
  board.lanes.forEach((lane, i) => {
    const x = margin + i * (cardWidth + gap);
    context.fillStyle = colours.card;
    context.fillRect(x, top, cardWidth, 300);
    context.fillStyle = lane.colour;
    context.fillRect(x, top, cardWidth, 14);
    context.fillStyle = colours.ink;
    context.font = '600 30px system-ui, sans-serif';
    wrap(context, lane.label, cardWidth - 48).slice(0, 2).forEach((text, row) => context.fillText(text, x + 24, top + 64 + row * 36));
    context.font = '700 96px system-ui, sans-serif';
    context.fillText(lane.score, x + 24, top + 220);
    context.fillStyle = colours.muted;
    context.font = '28px system-ui, sans-serif';
    context.fillText(lane.detail, x + 24, top + 270);
  });
  if (board.sentence) {
    context.fillStyle = colours.ink;
    context.font = '650 52px system-ui, sans-serif';
    wrap(context, board.sentence, SLIDE_WIDTH - 2 * margin).slice(0, 3).forEach((text, row) => context.fillText(text, margin, 620 + row * 66));
  }
  return canvasBlob(canvas);
}
