export * from './types.gen';
