import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Registered when the stack starts (temporal server start-dev --search-attribute). */
export const ServiceKey = defineSearchAttributeKey('Service', SearchAttributeType.KEYWORD);
export const OperationKey = defineSearchAttributeKey('Operation', SearchAttributeType.KEYWORD);
