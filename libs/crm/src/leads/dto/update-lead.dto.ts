import { PartialType } from '@nestjs/swagger';
import { CreateLeadDto } from './create-lead.dto';

/** Any field of a lead; `null` clears a nullable one (email, phone, company, source) and is a 400 elsewhere. */
export class UpdateLeadDto extends PartialType(CreateLeadDto, { skipNullProperties: false }) {}
