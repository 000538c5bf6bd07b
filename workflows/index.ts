// Workflow entry point for the worker's bundle: every workflow type s2s-relay registers.
export { userWorkflow } from './user-workflow';
