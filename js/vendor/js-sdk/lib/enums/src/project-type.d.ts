/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum ProjectType {
    WEB = "web",
    FULLSTACK = "fullstack"
}
