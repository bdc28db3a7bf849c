/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare const DATA_ENTITIES: string[];
export declare const DATA_ENTITIES_MAP: {
    goal: string;
    audience: string;
    location: string;
    segment: string;
    experience: string;
    variation: string;
    feature: string;
};
