// The retention engine's public surface.
export * from './apply-policy.js';
export * from './duration.js';
export * from './floor.js';
export * from './plan.js';
export * from './projection.js';
export * from './rules.js';
