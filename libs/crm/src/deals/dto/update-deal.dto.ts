import { PartialType } from '@nestjs/swagger';
import { CreateDealDto } from './create-deal.dto';

/** Any field of a deal; `null` clears a nullable one (leadId, expectedCloseDate) and is a 400 elsewhere. */
export class UpdateDealDto extends PartialType(CreateDealDto, { skipNullProperties: false }) {}
