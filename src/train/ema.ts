// An exponential moving average of a model's trainable weights (model EMA, as timm's ModelEmaV2
// and PaddleClas' ExponentialMovingAverage): after every step ema = d * ema + (1 - d) * w, with a
// constant decay d (no warmup of the decay, no bias correction), starting from the initial weights.
import * as tf from '@tensorflow/tfjs-core';

export class WeightEma {
  private readonly average: tf.Variable[];

  /** `variables`: the model's trainable variables (non-trainable ones are left as they are). */
  constructor(
    private readonly variables: readonly tf.Variable[],
    readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new Error(`EMA decay must be in (0, 1) (got ${decay})`);
    this.average = variables.map((variable) => tf.variable(variable, false));
  }

  /** One update after an optimiser step. */
  update(): void {
    const d = this.decay;
    tf.tidy(() => {
      this.average.forEach((average, i) => average.assign(tf.add(tf.mul(average, d), tf.mul(this.variables[i], 1 - d))));
    });
  }

  /** The averaged weights, in the order of the variables (owned by the EMA: do not dispose). */
  get values(): readonly tf.Tensor[] {
    return this.average;
  }

  /** Run `body` with the model holding the averaged weights, then put its own weights back. */
  async withAverage<T>(body: () => Promise<T>): Promise<T> {
    const own = this.variables.map((variable) => tf.clone(variable));
    this.copyIntoModel();
    try {
      return await body();
    } finally {
      this.variables.forEach((variable, i) => variable.assign(own[i]));
      tf.dispose(own);
    }
  }

  /** Replace the model's weights by the averaged ones (the end of a run). */
  copyIntoModel(): void {
    this.variables.forEach((variable, i) => variable.assign(this.average[i]));
  }

  dispose(): void {
    tf.dispose(this.average);
  }
}
