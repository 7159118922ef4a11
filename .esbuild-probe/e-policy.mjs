import '../shared/policy/load.ts';
