import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadDotEnv } from '../config/dotenv.js';
import { dataSourceOptions } from './data-source-options.js';

// Entry point for the TypeORM CLI (`npm run migration:generate`); the app builds its own DataSource.
loadDotEnv();
export default new DataSource(dataSourceOptions({ url: process.env['DATABASE_URL'] ?? '' }));
