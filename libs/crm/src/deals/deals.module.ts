import { Module } from '@nestjs/common';
import { CustomFieldsModule } from '../custom-fields/custom-fields.module';
import { DealsController } from './deals.controller';
import { DealsService } from './deals.service';

@Module({ imports: [CustomFieldsModule], controllers: [DealsController], providers: [DealsService] })
export class DealsModule {}
