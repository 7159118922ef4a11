import 'yaml';
