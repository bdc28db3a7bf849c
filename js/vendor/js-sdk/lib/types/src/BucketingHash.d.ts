/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export type BucketingHash = {
    redistribute?: number;
    seed?: number;
    experienceId?: string;
};
