// client-go's wait.JitterUntil factor for the acquire loop: sleep retryPeriod * (1 + rand * 1.2).
export const LEADER_JITTER_FACTOR = 1.2;
