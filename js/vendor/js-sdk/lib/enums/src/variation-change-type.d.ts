/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum VariationChangeType {
    RICH_STRUCTURE = "richStructure",
    CUSTOM_CODE = "customCode",
    DEFAULT_CODE = "defaultCode",
    DEFAULT_CODE_MULTIPAGE = "defaultCodeMultipage",
    DEFAULT_REDIRECT = "defaultRedirect",
    FULLSTACK_FEATURE = "fullStackFeature"
}
