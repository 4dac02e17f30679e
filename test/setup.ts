// Loaded once by mocha (--require) before any spec: the process-global Pulumi mocks live here.
export {};
