/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum RuleError {
    NO_DATA_FOUND = "convert.com_no_data_found",
    NEED_MORE_DATA = "convert.com_need_more_data"
}
