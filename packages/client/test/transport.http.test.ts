import { httpTransport } from '@staff-sync/client';
import { transportSuite } from './transport.suite.ts';

transportSuite('http', httpTransport);
