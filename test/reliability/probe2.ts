import { fuzzCbor } from './fuzz/codec-targets.js';
fuzzCbor(50000);
