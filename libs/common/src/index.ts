export * from './app.exception';
export * from './problem-details.filter';
export * from './validation.pipe';
export * from './pagination.dto';
export * from './request-id';
export * from './uuid.pipe';
export * from './json-only';
export * from './run-main';
