/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
import { RuleElement } from './config/index';
export type RuleOrWhen = {
    OR_WHEN: Array<RuleElement>;
};
export type RuleAnd = {
    AND: Array<RuleOrWhen>;
};
