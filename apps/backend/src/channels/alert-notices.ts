/** What a notice needs of its alert: where its channel message is, to reply in its thread. */
export interface NoticeAlert {
  id: string;
  slackChannelId: string | null;
  slackMessageTs: string | null;
}

/**
 * Tells the people watching an alert what happened to a page that will not arrive as planned (failed,
 * held). Slack implements it as a reply in the alert's thread; best effort, never throws.
 */
export interface AlertNotices {
  tell(alert: NoticeAlert, text: string): Promise<void>;
}
