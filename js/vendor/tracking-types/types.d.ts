export { ConfigResponseData } from '@convertcom/js-sdk-types';
export * from './src/types/api';
export { ProcessQueue, // _conv_q
ProcessQueueItem, // { what, params }
ProcessQueueItemLegacy, // ["what", ...params]
CacheData as CurrentData, // convert.currentData
HistoricalData } from './src/types/data';
export * from './src/types/window';
export { LifeCycleEvent } from 'src/enums/lifecycle-event';
export { ExperienceData } from 'src/enums/experience-data';
