/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum SegmentsKeys {
    COUNTRY = "country",
    BROWSER = "browser",
    DEVICES = "devices",
    SOURCE = "source",
    CAMPAIGN = "campaign",
    VISITOR_TYPE = "visitorType",
    CUSTOM_SEGMENTS = "customSegments"
}
