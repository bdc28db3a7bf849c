/*!
 * Convert JS SDK test
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export * from './src/bucketing-error';
export * from './src/conversion-setting-key';
export * from './src/data-enitites';
export * from './src/dictionary';
export * from './src/do-not-track';
export * from './src/entity-type';
export * from './src/feature-status';
export * from './src/goal-data-key';
export * from './src/log-level';
export * from './src/log-method';
export * from './src/project-type';
export * from './src/rule-error';
export * from './src/system-events';
export * from './src/variable-types';
export * from './src/variation-change-type';
export * from './src/segments/browser-type';
export * from './src/segments/device-type';
export * from './src/segments/segments-keys';
export * from './src/segments/source-type';
export * from './src/segments/visitor-type';
