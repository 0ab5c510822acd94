import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export class PaginationQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'Must be an integer.' })
  @Min(1, { message: 'Must be at least 1.' })
  @Max(MAX_PAGE_SIZE, { message: `Must be at most ${MAX_PAGE_SIZE}.` })
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'Must be an integer.' })
  @Min(0, { message: 'Must be at least 0.' })
  offset = 0;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** Builds a limit/offset page with absolute next/previous links, as Django REST Framework does. */
export function toPage<T>(results: T[], count: number, query: PaginationQuery, pageUrl: string): Page<T> {
  const link = (offset: number): string => {
    const url = new URL(pageUrl);
    url.searchParams.set('limit', String(query.limit));
    url.searchParams.set('offset', String(offset));
    return url.toString();
  };
  const nextOffset = query.offset + query.limit;
  return {
    count,
    next: nextOffset < count ? link(nextOffset) : null,
    previous: query.offset > 0 ? link(Math.max(0, query.offset - query.limit)) : null,
    results,
  };
}
