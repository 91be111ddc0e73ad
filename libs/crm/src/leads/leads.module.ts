import { Module } from '@nestjs/common';
import { CustomFieldsModule } from '../custom-fields/custom-fields.module';
import { LeadsController } from './leads.controller';
import { LeadsService } from './leads.service';

@Module({ imports: [CustomFieldsModule], controllers: [LeadsController], providers: [LeadsService] })
export class LeadsModule {}
