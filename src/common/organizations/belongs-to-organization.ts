import { JoinColumn, ManyToOne } from 'typeorm';
import { Organization } from './organization.entity.js';

/**
 * The `organization` relation of a row an organization owns (patients, API keys, pending links): its
 * organization_id column, with a foreign key that keeps an organization from being deleted while it owns rows.
 */
export function BelongsToOrganization(table: string): PropertyDecorator {
  return (target, property) => {
    ManyToOne(() => Organization, { nullable: false, onDelete: 'RESTRICT' })(target, property);
    JoinColumn({ name: 'organization_id', foreignKeyConstraintName: `fk_${table}_organization` })(
      target,
      property,
    );
  };
}
