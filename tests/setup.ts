// Registers aws-sdk-client-mock's vitest matchers (toHaveReceivedCommandWith, …) for every test file,
// and keeps Powertools' JSON logs out of the test output.
import 'aws-sdk-client-mock-vitest/extend';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
