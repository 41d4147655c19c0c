/**
 * Step Functions retries by error *name*. Errors that say `retryable: true` (lib/errors.ts) but have a name the
 * state machine does not list are renamed to RetryableError, so "try again later" is never lost in transit.
 */
import type middy from '@middy/core';
import { PROOF_GAP_ERROR, RETRYABLE_ERROR, RETRYABLE_HANDLER_ERRORS } from '../pipeline/workflow-contract.ts';

const KNOWN = new Set([PROOF_GAP_ERROR, ...RETRYABLE_HANDLER_ERRORS]);

export function retryableErrors(): middy.MiddlewareObj {
  return {
    onError: async (request) => {
      const error = request.error as (Error & { retryable?: unknown }) | null;
      if (error && error.retryable === true && !KNOWN.has(error.name)) {
        error.name = RETRYABLE_ERROR;
      }
    },
  };
}
