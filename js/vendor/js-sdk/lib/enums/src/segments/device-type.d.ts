/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum DeviceType {
    ALLPH = "ALLPH",
    IPH = "IPH",
    OTHPH = "OTHPH",
    ALLTAB = "ALLTAB",
    IPAD = "IPAD",
    OTHTAB = "OTHTAB",
    DESK = "DESK",
    OTHDEV = "OTHDEV"
}
