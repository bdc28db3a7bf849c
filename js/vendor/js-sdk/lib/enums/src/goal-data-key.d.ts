/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
export declare enum GoalDataKey {
    AMOUNT = "amount",
    PRODUCTS_COUNT = "productsCount",
    TRANSACTION_ID = "transactionId",
    CUSTOM_DIMENSION_1 = "customDimension1",
    CUSTOM_DIMENSION_2 = "customDimension2",
    CUSTOM_DIMENSION_3 = "customDimension3",
    CUSTOM_DIMENSION_4 = "customDimension4",
    CUSTOM_DIMENSION_5 = "customDimension5"
}
