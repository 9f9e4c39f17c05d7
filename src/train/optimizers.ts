// The run's optimizers: Adam or momentum SGD as tfjs builds them, the learning-rate schedule, and
// the two things tfjs' optimizers get wrong for a loop that changes the rate every step.
import * as tf from '@tensorflow/tfjs-core';
import type { ExperimentConfig } from './config';

/** Adam reads `learningRate` on every step; momentum SGD reads a scalar that only setLearningRate updates. */
export type ScheduledOptimizer = tf.Optimizer & { learningRate: number };

export function createOptimizer(config: ExperimentConfig): ScheduledOptimizer {
  return (config.optimizer === 'sgd' ? tf.train.momentum(config.lr, config.momentum) : tf.train.adam(config.lr)) as unknown as ScheduledOptimizer;
}

// Duck-typed: tfjs' Optimizer overrides instanceof, so every optimizer is "an SGDOptimizer".
export type SgdLike = ScheduledOptimizer & { setLearningRate?: (learningRate: number) => void; c?: tf.Scalar };

export function setLearningRate(optimizer: SgdLike, learningRate: number): void {
  if (optimizer.learningRate === learningRate) return;
  if (optimizer.setLearningRate) optimizer.setLearningRate(learningRate);
  else optimizer.learningRate = learningRate;
}

export function disposeOptimizer(optimizer: SgdLike): void {
  optimizer.dispose();
  // tfjs' MomentumOptimizer.dispose() forgets the learning-rate scalar its SGD base class keeps.
  optimizer.c?.dispose();
}

export function learningRateAt(config: ExperimentConfig, step: number, totalSteps: number): number {
  if (config.lrSchedule === 'cosine') return 0.5 * config.lr * (1 + Math.cos((Math.PI * step) / totalSteps));
  return config.lr;
}
