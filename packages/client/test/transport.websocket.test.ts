import { webSocketTransport } from '@staff-sync/client';
import { transportSuite } from './transport.suite.ts';

transportSuite('websocket', webSocketTransport);
