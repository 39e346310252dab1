export * from './events';
export * from './messages';
export * from './containers';
export * from './records';
export * from './framing';
