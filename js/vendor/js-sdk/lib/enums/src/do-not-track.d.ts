/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum DoNotTrack {
    OFF = "OFF",
    EU_ONLY = "EU ONLY",
    EEA_ONLY = "EEA ONLY",
    WORLDWIDE = "Worldwide"
}
