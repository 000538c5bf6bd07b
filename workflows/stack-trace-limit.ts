// Preloaded into the workflow sandbox before anything else (worker/bundle.ts), while its globals can still be
// changed: errors made in workflow code keep one stack frame. The SDK's promise hook captures a stack trace for
// every promise a workflow creates (for Temporal's stack-trace query) and maps each frame through the bundle's
// source map; on a replay that was about a fifth of the worker's CPU (docs/performance.md). One frame keeps
// where a workflow error was thrown; the UI's stack-trace view of a user's workflow then shows no call chain.
export const WORKFLOW_STACK_FRAMES = 1;

Error.stackTraceLimit = WORKFLOW_STACK_FRAMES;
