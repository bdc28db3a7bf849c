/*!
 * Convert JS SDK test
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export * from './src/config/index';
export * from './src/BucketedFeature';
export * from './src/BucketedVariation';
export * from './src/BucketingAttributes';
export * from './src/BucketingAllocation';
export * from './src/BucketingHash';
export * from './src/Config';
export * from './src/ConversionAttributes';
export * from './src/Entity';
export * from './src/GoalData';
export * from './src/IndentityField';
export * from './src/Integration';
export * from './src/LocationAttributes';
export * from './src/Path';
export * from './src/RequireAtLeastOne';
export * from './src/Rule';
export * from './src/SegmentsAttributes';
export * from './src/StoreData';
export * from './src/TrackingEvent';
export * from './src/VariableType';
export * from './src/VisitorsQueue';
export * from './src/Visitor';
