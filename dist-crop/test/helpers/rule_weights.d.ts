/**
 * Deterministic weights from a rule that test/fixtures/rule_weights.py reproduces bit for bit, so
 * golden logits of full-size models can be committed without committing their weights.
 */
import { Tensor } from '../../src/tensor/tensor.js';
import type { Module } from '../../src/nn/module.js';
/** Gain on `…cls_score.weight` (detection classifiers), as in rule_weights.py. */
export declare const CLS_SCORE_GAIN = 20;
export declare function ruleTensor(key: string, shape: readonly number[]): Tensor;
export declare function ruleStateDict(model: Module): Map<string, Tensor>;
