/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum SourceType {
    CAMPAIGN = "campaign",
    SEARCH = "search",
    REFERRAL = "referral",
    DIRECT = "direct",
    AI_TOOL = "ai_tool"
}
