/**
 * Writes to one person directly, outside any alert (hand-off notices: "You're on call for payments from…").
 * The on-call room asks through this port; slack/ implements it (conversations.open, then chat.postMessage).
 * Failures are NotifyErrors: a `transient` one is worth trying again, a `permanent` one is not.
 */
export interface DirectMessenger {
  sendDirect(userId: string, text: string): Promise<void>;
}
