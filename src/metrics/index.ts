export { collectMetrics, STORE_BUCKETS, type MetricsOptions, type SharelockMetrics } from './collect.js';
export { metricsHandler, koaMetricsHandler, fastifyMetricsHandler, type Exposition, type KoaMetricsContext, type FastifyMetricsReply } from './endpoint.js';
export type { StoreTimer } from '../sharelock.js';
