/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum EntityType {
    AUDIENCE = "audience",
    LOCATION = "location",
    SEGMENT = "segment",
    FEATURE = "feature",
    GOAL = "goal",
    EXPERIENCE = "experience",
    VARIATION = "variation"
}
