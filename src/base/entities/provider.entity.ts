import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** A data provider this deployment can link to (withings, fitbit). Rows are seeded by migration. */
@Entity({ name: 'providers' })
@Unique('uq_providers_name', ['name'])
@Unique('uq_providers_provider_type', ['providerType'])
export class Provider {
  @PrimaryGeneratedColumn({ type: 'integer', primaryKeyConstraintName: 'pk_providers' })
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'provider_type', type: 'varchar', length: 32 })
  providerType!: string;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ name: 'default_data_types', type: 'text', array: true, default: () => "'{}'" })
  defaultDataTypes!: string[];

  @Column({ name: 'excluded_data_types', type: 'text', array: true, default: () => "'{}'" })
  excludedDataTypes!: string[];

  @Column({ name: 'supports_webhooks', type: 'boolean', default: true })
  supportsWebhooks!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** The data types a sync should fetch: the defaults less the exclusions. */
  effectiveDataTypes(): string[] {
    const excluded = new Set(this.excludedDataTypes);
    return this.defaultDataTypes.filter((t) => !excluded.has(t));
  }
}
