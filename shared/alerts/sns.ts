// Publishes alerts to the SNS alerts topic: readable text for e-mail subscribers, JSON for Lambda
// and SQS subscribers (SNS message structure "json"), the one-line subject for SMS subscribers (the
// escalation levels' phones: an SMS is short), and attributes for subscription filters (the escalation
// levels' subscriptions filter on `severity`).

import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { alertJson, alertSubject, alertText, type Alert, type AlertSink } from './alert.js';

export function snsAlertSink(sns: SNSClient, topicArn: string, timeZone: string): AlertSink {
  return {
    async publish(alert: Alert): Promise<void> {
      const text = alertText(alert, timeZone);
      const json = JSON.stringify(alertJson(alert));
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: alertSubject(alert),
          MessageStructure: 'json',
          Message: JSON.stringify({ default: text, email: text, sms: alertSubject(alert), lambda: json, sqs: json }),
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: alert.severity },
            kind: { DataType: 'String', StringValue: alert.kind },
            resource: { DataType: 'String', StringValue: alert.resource },
          },
        }),
      );
    },
  };
}
