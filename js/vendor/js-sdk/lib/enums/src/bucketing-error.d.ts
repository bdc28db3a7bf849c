/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum BucketingError {
    VARIAION_NOT_DECIDED = "convert.com_variation_not_decided"
}
