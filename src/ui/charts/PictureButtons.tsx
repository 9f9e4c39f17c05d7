// "PNG" and "SVG" beside a chart: the chart as a file sized for a slide.
import { useState } from 'react';
import { errorMessage } from '../../core/errors';
import { downloadChart } from './exportPicture';

/** `chartTestId`: the chart's container (its data-testid); `title`: the picture's heading and file name. */
export function PictureButtons({ chartTestId, title }: { chartTestId: string; title: string }) {
  const [problem, setProblem] = useState('');
  const save = (format: 'png' | 'svg') => {
    const chart = document.querySelector<HTMLElement>(`[data-testid="${chartTestId}"]`);
    if (!chart) return;
    setProblem('');
    downloadChart(chart, title, format).catch((error: unknown) => setProblem(errorMessage(error)));
  };
  return (
    <span className="picture-buttons" role="group" aria-label={`Download ${title}`}>
      <button type="button" className="small-button" data-testid={`${chartTestId}-png`} onClick={() => save('png')} title={`${title} as a PNG picture, 1600 px wide`}>
        PNG
      </button>
      <button type="button" className="small-button" data-testid={`${chartTestId}-svg`} onClick={() => save('svg')} title={`${title} as an SVG drawing`}>
        SVG
      </button>
      {problem ? (
        <span className="field-problem small" role="alert">
          {problem}
        </span>
      ) : null}
    </span>
  );
}
