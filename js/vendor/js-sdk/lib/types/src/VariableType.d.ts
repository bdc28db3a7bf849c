/*!
 * Convert JS SDK
 * Version 1.0.0
 * Copyright(c) 2020 Convert Insights, Inc
 * License Apache-2.0
 */
import { VARIABLE_TYPES } from '../../enums';
export type VariableType = (typeof VARIABLE_TYPES)[number];
