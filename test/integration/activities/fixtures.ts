// The send-activity tests' inputs: the demo apps, users and deliveries shared with the pure tests.
export * from '../../helpers/demo-apps';
